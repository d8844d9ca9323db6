/* Chinese queries, cut into words the way the pages were (Sphinx's splitQuery, Chinese site).
 *
 * Readers type Chinese without spaces ("KL散度", "交叉熵损失"), but the index holds the words
 * jieba cut the pages into ("kl", "散度", "交叉熵", "损失"). Each run of Chinese characters is
 * cut by longest match against the index's own words; Latin letters and digits are words of
 * their own. First, a synonym readers use ("信息熵",
 * "极大似然估计") is replaced by the book's word for it ("熵", "最大似然估计"): the 又称 column
 * of locales/zh_CN/terminology.csv, which editions/i18n.py writes in for SYNONYMS. */
var XENT_SYNONYMS = SYNONYMS;  // [[a reader's word, the book's word], ...], longest first

var splitQuery = (query) => {
  const index = typeof Search !== "undefined" ? Search._index : null;
  const known = (word) => Boolean(index && (word in index.terms || word in index.titleterms));
  let text = query;
  for (const [theirs, ours] of XENT_SYNONYMS) {
    const pattern = theirs.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s*");
    text = text.replace(new RegExp(pattern, "giu"), ` ${ours} `);
  }
  const words = [];
  for (const run of text.split(/[^\p{Letter}\p{Number}_\p{Emoji_Presentation}]+/gu)) {
    for (const part of run.match(/\p{Script=Han}+|[^\p{Script=Han}]+/gu) || []) {
      if (!/\p{Script=Han}/u.test(part)) { words.push(part); continue; }
      for (let start = 0; start < part.length;) {
        let size = Math.min(12, part.length - start);
        while (size > 1 && !known(part.slice(start, start + size))) size -= 1;
        words.push(part.slice(start, start + size));
        start += size;
      }
    }
  }
  return words;
};
