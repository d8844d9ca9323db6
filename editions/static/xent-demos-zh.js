/* Chinese words for the kernel-free demos (code/xent/demos.py) on the Chinese site.
 *
 * The demos' HTML and scripts come from the one notebook execution both languages share, so
 * they are written in English. On a page whose <html lang> is Chinese, this script translates
 * every demo (class xent-demo) once the page is parsed, then watches each one with a
 * MutationObserver and translates again whatever its own script rewrites (the readout, the
 * point label, the legend of the slowdown demo) on every slider move. A text is rewritten only
 * when its translation differs from it, and a translation translates to itself, so the
 * observer cannot loop. Math, numbers and variable names (p, q, H(p), D(p ‖ q), T, log₂, a, C,
 * dC/dw) are kept; terms follow locales/zh_CN/terminology.csv.
 */
(function () {
  'use strict';
  if (!/^zh/i.test(document.documentElement.lang || '')) return;

  // A whole text (trimmed) that is a fixed label: its translation.
  const EXACT = {
    // shared
    'Run this cell to start the demo.': '运行此单元格即可启动演示。',
    'probability': '概率',
    'outcome': '结果',
    // chapter 1: surprisal
    'probability p': '概率 p',
    'surprisal (bits)': '自信息（比特）',
    'the surprisal curve -log2 p': '自信息曲线 −log₂ p',
    // chapter 2: entropy
    'bar chart of the distribution': '分布的柱状图',
    'All weights are 0: raise one of them to get a distribution.':
      '所有权重都为 0：调高其中一个，才能得到一个分布。',
    // chapter 3: cross-entropy and KL divergence
    'bar charts of p and q': 'p 和 q 的柱状图',
    'truth p': '真实分布 p',
    'model q': '模型 q',
    // chapter 5: the learning slowdown
    'weight w': '权重 w',
    'bias b': '偏置 b',
    'rate η': '学习率 η',
    'iterations': '迭代次数',
    'cost': '代价',
    'quadratic': '二次代价',
    'cross-entropy': '交叉熵代价',
    'quadratic cost': '二次代价',
    'cross-entropy cost': '交叉熵代价',
    'output of the neuron per iteration': '神经元每次迭代的输出',
    'output a': '输出 a',
    'iteration': '迭代次数',
    // chapter 8: perplexity and bits per byte
    'bits per byte': '每字节比特数',
    'bytes per token': '每词元字节数',
    'perplexity (log scale)': '困惑度（对数刻度）',
    'perplexity against bytes per token at a fixed bits per byte':
      '每字节比特数固定时，困惑度随每词元字节数的变化',
    'byte trigram': '字节三元语法',
    'word trigram': '单词三元语法',
    'byte bigram': '字节二元语法',
    'word bigram': '单词二元语法',
    'byte neural': '字节神经网络',
    'word neural': '单词神经网络',
    'words': '单词',
    'bytes': '字节',
    // chapter 9: calibration and temperature
    'temp. T': '温度 T',
    'accuracy': '准确率',
    '(confidence, accuracy)': '(置信度, 准确率)',
    'confidence (top-class probability)': '置信度（最大类别的概率）',
    'reliability diagram: accuracy against confidence': '可靠性图：准确率与置信度',
    // chapter 10: distillation's temperature
    'bar chart of the soft targets p_T': '软目标 p_T 的柱状图',
    'class': '类别',
    'digit': '数字',
    // chapter 12: the KL-regularised optimum
    'bar charts of the reference policy and the optimum': '参考策略与最优策略的柱状图',
    'reference π_ref': '参考策略 π_ref',
    'optimum π*': '最优策略 π*',
    'response': '回答',
    'response (sorted by reward)': '回答（按奖励排序）',
    // chapter 13: vocabulary-parallel cross-entropy
    'proc. P': '进程数 P',
    'target y': '目标 y',
    'token (colour: its process)': '词元（颜色：所在进程）',
    'softmax of the logits, coloured by the process that holds each token':
      '各 logit 的 softmax，按持有各词元的进程着色',
  };

  const NUM = '([-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:e[-+]?\\d+)?|∞|Infinity|NaN)';
  const COST = { 'quadratic': '二次', 'cross-entropy': '交叉熵', 'cross_entropy': '交叉熵' };

  // Texts the demos' scripts build on every redraw: [pattern of the whole text, replacement].
  const RULES = [
    // chapter 1: the point's label and the readout
    [new RegExp('^' + NUM + ' bits$'), '$1 比特'],
    [new RegExp('^p = ' + NUM + ': surprisal −log₂ p = ' + NUM + ' bits = ' + NUM + ' nats$'),
      'p = $1：自信息 −log₂ p = $2 比特 = $3 奈特'],
    // chapter 2: weight labels and the readout
    [/^weight (\d+)$/, '权重 $1'],
    [/^uniform distribution, (.+)$/, '均匀分布，$1'],
    [new RegExp('^H\\(p\\) = ' + NUM + ' bits \\(at most log₂ (\\d+) = ' + NUM + '\\); p = (.*)$'),
      'H(p) = $1 比特（至多为 log₂ $2 = $3）；p = $4'],
    // chapter 3
    [/^All weights of ([pq]) are 0: raise one of them\.$/, '$1 的权重全为 0：调高其中一个。'],
    [new RegExp('^H\\(p\\) = ' + NUM + ' bits, H\\(p, q\\) = ' + NUM + ' bits, D\\(p ‖ q\\) = ' +
      NUM + ' bits, D\\(q ‖ p\\) = ' + NUM + ' bits$'),
      'H(p) = $1 比特，H(p, q) = $2 比特，D(p ‖ q) = $3 比特，D(q ‖ p) = $4 比特'],
    // chapter 5
    [new RegExp('^Start: a = ' + NUM + ', dC/dw = ' + NUM + '\\. After (\\d+) iterations: a = ' +
      NUM + ', C = ' + NUM + ' \\(the (quadratic|cross-entropy|cross_entropy) cost would give ' +
      'a = ' + NUM + '\\)\\.$'),
      (m, a0, g, n, a, c, other, b) =>
        '起点：a = ' + a0 + '，dC/dw = ' + g + '。迭代 ' + n + ' 次后：a = ' + a + '，C = ' + c +
        '（换用' + COST[other] + '代价则 a = ' + b + '）。'],
    [/^(quadratic|cross-entropy|cross_entropy) cost$/, (m, c) => COST[c] + '代价'],
    // chapter 8
    [new RegExp('^' + NUM + ' bits per byte × ' + NUM + ' bytes per token = ' + NUM +
      ' bits per token: perplexity 2\\^' + NUM + ' = ' + NUM +
      '\\. With 1-byte tokens the same model would report ' + NUM + '\\.$'),
      '每字节 $1 比特 × 每词元 $2 字节 = 每词元 $3 比特：困惑度 2^$4 = $5。' +
      '若每个词元只有 1 字节，同一个模型报告的困惑度将是 $6。'],
    [/^(byte|word)[- ](\d+)-gram$/, (m, u, n) => (u === 'byte' ? '字节' : '单词') + ' ' + n +
      ' 元语法'],
    // chapter 9
    [new RegExp('^T = ' + NUM + ': accuracy ' + NUM + ' %, mean confidence ' + NUM + ' %, ECE ' +
      NUM + ' points, NLL ' + NUM + ' nats$'),
      'T = $1：准确率 $2%，平均置信度 $3%，ECE $4 个百分点，NLL $5 奈特'],
    // chapter 10
    [/^uniform, (.+)$/, '均匀分布，$1'],
    [new RegExp('^T = ' + NUM + ': the top class gets ' + NUM + ', the other (\\d+) share ' + NUM +
      '\\. H\\(p_T\\) = ' + NUM + ' nats \\(at most ln (\\d+) = ' + NUM +
      '\\), floor T²·H\\(p_T\\) = ' + NUM + ' nats\\. Gradient size for a student at 0: ' + NUM +
      ' with T², ' + NUM + ' without\\.$'),
      'T = $1：最大的类别得到 $2，其余 $3 个类别共享 $4。H(p_T) = $5 奈特（至多为 ln $6 = $7），' +
      '下限 T²·H(p_T) = $8 奈特。学生的 z 全为 0 时，梯度大小：乘 T² 时为 $9，不乘时为 $10。'],
    // chapter 12
    [new RegExp('^β = ' + NUM + ': expected reward ' + NUM + ' \\(reference ' + NUM +
      '\\), KL\\(π\\* ‖ π_ref\\) = ' + NUM + ' nats, J = E\\[r\\] − β·KL = ' + NUM + '\\.$'),
      'β = $1：期望奖励 $2（参考策略为 $3），KL(π* ‖ π_ref) = $4 奈特，J = E[r] − β·KL = $5。'],
    // chapter 13
    [new RegExp('^P = (\\d+), tokens (.+?)\\. Local maxima (.+?) → m = ' + NUM +
      '; local sums of exp\\(z − m\\) (.+?) → s = ' + NUM + '; the target (\\d+) is on process ' +
      '(\\d+): z_y − m = ' + NUM + '\\. Loss \\(m − z_y\\) \\+ log s = ' + NUM +
      ' nats; on one process: ' + NUM + ' nats\\.$'),
      'P = $1，各进程的词元 $2。局部最大值 $3 → m = $4；exp(z − m) 的局部和 $5 → s = $6；' +
      '目标 $7 在进程 $8 上：z_y − m = $9。损失 (m − z_y) + log s = $10 奈特；单个进程上算得 $11 奈特。'],
  ];

  // Last resort, word by word, for a text no rule above matches (a demo changed upstream).
  const WORDS = [
    [/\bbits per byte\b/g, '每字节比特数'], [/\bbytes per token\b/g, '每词元字节数'],
    [/\bbits per token\b/g, '每词元比特数'], [/\bcross-entropy\b/g, '交叉熵'],
    [/\bKL divergence\b/g, 'KL 散度'], [/\bsurprisal\b/g, '自信息'], [/\bentropy\b/g, '熵'],
    [/\bperplexity\b/g, '困惑度'], [/\baccuracy\b/g, '准确率'], [/\bconfidence\b/g, '置信度'],
    [/\btemperature\b/g, '温度'], [/\bprobability\b/g, '概率'], [/\bquadratic\b/g, '二次'],
    [/\bcost\b/g, '代价'], [/\blearning rate\b/g, '学习率'], [/\bweights?\b/g, '权重'],
    [/\biterations?\b/g, '迭代'], [/\bbits?\b/g, '比特'], [/\bnats?\b/g, '奈特'],
  ];

  const ENGLISH = /[A-Za-z]{3,}/;

  function translate(text) {
    const t = text.trim();
    if (!t || !ENGLISH.test(t)) return text;
    let out = null;
    if (Object.prototype.hasOwnProperty.call(EXACT, t)) {
      out = EXACT[t];
    } else {
      for (const [pattern, replacement] of RULES) {
        if (pattern.test(t)) {
          out = t.replace(pattern, replacement);
          break;
        }
      }
      if (out === null) {
        out = t;
        for (const [pattern, replacement] of WORDS) out = out.replace(pattern, replacement);
      }
    }
    // keep the whitespace around the text (it can matter between inline elements)
    const lead = text.match(/^\s*/)[0], trail = text.match(/\s*$/)[0];
    return lead + out + trail;
  }

  const ATTRIBUTES = ['aria-label', 'title', 'placeholder', 'alt'];

  function translateAttribute(element, name) {
    const v = element.getAttribute(name);
    if (v !== null) {
      const t = translate(v);
      if (t !== v) element.setAttribute(name, t);
    }
  }

  function translateNode(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const parent = node.parentNode;
      if (!parent || /^(STYLE|SCRIPT)$/.test(parent.nodeName)) return;
      const t = translate(node.nodeValue);
      if (t !== node.nodeValue) node.nodeValue = t;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || /^(STYLE|SCRIPT)$/.test(node.nodeName)) return;
    for (const name of ATTRIBUTES) translateAttribute(node, name);
    for (let child = node.firstChild; child; child = child.nextSibling) translateNode(child);
  }

  const watched = new WeakSet();

  function watch(demo) {
    if (watched.has(demo)) return;
    watched.add(demo);
    translateNode(demo);
    new MutationObserver(records => {
      for (const r of records) {
        if (r.type === 'childList') r.addedNodes.forEach(translateNode);
        else if (r.type === 'characterData') translateNode(r.target);
        else if (r.type === 'attributes') translateAttribute(r.target, r.attributeName);
      }
    }).observe(demo, {
      subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ATTRIBUTES,
    });
  }

  function start() {
    document.querySelectorAll('.xent-demo').forEach(watch);
    // a demo added later (an output re-rendered by a live kernel, say) is translated too
    new MutationObserver(records => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeType !== Node.ELEMENT_NODE) continue;
          if (n.matches('.xent-demo')) watch(n);
          n.querySelectorAll('.xent-demo').forEach(watch);
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
