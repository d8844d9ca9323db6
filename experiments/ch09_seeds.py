"""Chapter 9 over ten random splits: temperature scaling, label smoothing and distillation.

Each seed ``s`` in 0..9 splits scikit-learn's 1,797 digits at random (``numpy`` generator
``s``) into 300 training, 500 validation and 997 test images, exactly as the chapter's
``split(s)`` does, and trains the chapter's network (64-128-10 MLP, full-batch Adam, learning
rate 0.01, 200 steps, initial weights from ``torch.manual_seed(s)``) three ways:

- **plain** cross-entropy. Every 5 steps the validation NLL is recorded, and every 10 steps a
  temperature is fitted on the validation set (the fitted-T-against-step curve); at the step
  of lowest validation NLL (early stopping) and at step 200 the test set is scored at T = 1
  and at the fitted T (accuracy, mean confidence, NLL, Brier score, ECE with 15 equal-width
  and 15 equal-mass bins, and ECE with 5, 10 and 30 bins), and the temperature that would be
  best on the test set itself is found for comparison;
- **label smoothing** 0.1: the same scores, the share of training and test examples whose
  confidence exceeds the per-example optimum 1 - 0.1 + 0.01 = 0.91, and the final training loss
  (its floor, the entropy of the smoothed target, is chapter 6's exercise: the chapter computes
  it, and the results file leaves it out);
- **distillation**: both models are teachers. Their wrong-class entropy (the renormalised
  probabilities of the nine wrong classes, bits, mean over test images) is measured at T = 4
  and at 4 times each teacher's own fitted temperature; then a student (a 64-32-10 MLP, seed
  ``100 + s``, the same initial weights for both teachers) is trained on the 300 training
  images with ``0.5 * CE(label) + 0.5 * T^2 * KL(teacher_T || student_T)`` at T = 4, and a
  third student on the labels alone. Students are scored on the test set at T = 1 and at a
  temperature fitted on the validation set.

No example is in two of the three sets of one seed (the splits are disjoint by construction and
the script checks it); ``test_images_also_in_training`` counts test images whose 64 pixels equal
those of a training image (a duplicate in the data itself).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from xent import calibration as cal
from xent import functional as xf
from xent import info

SEEDS = range(10)
STEPS = 200
EPS = 0.1
KD_T = 4.0
T_EVERY = 10  # fit a temperature on the validation set every T_EVERY steps


def split(seed: int, n: int):
    order = np.random.default_rng(seed).permutation(n)
    return order[:300], order[300:800], order[800:]


def scores(logits: np.ndarray, labels: np.ndarray, t: float = 1.0) -> dict[str, float]:
    probs = xf.softmax(logits / t, dim=1)
    out = {
        "accuracy": float(np.mean(probs.argmax(axis=1) == labels)),
        "confidence": float(probs.max(axis=1).mean()),
        "nll": float(xf.cross_entropy(logits / t, labels)),
        "brier": cal.brier_score(probs, labels),
        "ece": cal.expected_calibration_error(probs, labels),
        "ece_mass": cal.expected_calibration_error(probs, labels, strategy="mass"),
    }
    for bins in (5, 10, 30):
        out[f"ece_{bins}"] = cal.expected_calibration_error(probs, labels, bins)
    return out


def wrong_class_entropy(logits: np.ndarray, labels: np.ndarray, t: float) -> float:
    p = xf.softmax(logits / t, dim=1)
    wrong = p[np.arange(p.shape[1]) != labels[:, None]].reshape(len(p), -1)
    return float(np.mean(info.entropy(wrong / wrong.sum(axis=1, keepdims=True))))


def run() -> dict:
    torch.set_num_threads(1)
    digits_x, digits_y = load_digits(return_X_y=True)
    X = torch.tensor(digits_x / 16.0, dtype=torch.float32)
    Y = torch.from_numpy(digits_y)
    y = digits_y

    def mlp(hidden: int) -> torch.nn.Module:
        return torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        )

    def logits_of(model, idx) -> np.ndarray:
        with torch.no_grad():
            return model(X[idx]).double().numpy()

    def train(idx, loss_fn, seed, hidden=128, every=None, on_step=None):
        torch.manual_seed(seed)
        model = mlp(hidden)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        for step in range(1, STEPS + 1):
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), Y[idx], idx)
            loss.backward()
            opt.step()
            if on_step is not None and step % every == 0:
                on_step(step, model, float(loss.detach()))
        return model, float(loss.detach())

    plain_ce = lambda out, tgt, idx: F.cross_entropy(out, tgt)  # noqa: E731
    smooth_ce = lambda out, tgt, idx: F.cross_entropy(out, tgt, label_smoothing=EPS)  # noqa: E731

    t_steps = list(range(T_EVERY, STEPS + 1, T_EVERY))
    per_seed = []
    for seed in SEEDS:
        tr, va, te = split(seed, len(y))
        assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
        seen = {row.tobytes() for row in digits_x[tr]}
        duplicates = sum(row.tobytes() in seen for row in digits_x[te])
        snap: dict[int, tuple[float, np.ndarray, np.ndarray]] = {}

        def record(step, model, _loss, va=va, te=te, snap=snap):
            lv = logits_of(model, va)
            snap[step] = (float(xf.cross_entropy(lv, y[va])), lv, logits_of(model, te))

        plain, _ = train(tr, plain_ce, seed, every=5, on_step=record)
        best_step = min(snap, key=lambda s: snap[s][0])
        fitted_t = {s: cal.fit_temperature(snap[s][1], y[va]) for s in t_steps}
        result: dict = {
            "seed": seed,
            "best_step": best_step,
            "t_by_step": [fitted_t[s] for s in t_steps],
            "test_images_also_in_training": duplicates,
        }
        for name, step in (("early", best_step), ("final", STEPS)):
            _, lv, lt = snap[step]
            t = cal.fit_temperature(lv, y[va])
            result[name] = {
                "T": t,
                "T_test": cal.fit_temperature(lt, y[te]),
                "before": scores(lt, y[te]),
                "after": scores(lt, y[te], t),
            }
        plain_val, plain_test = snap[STEPS][1], snap[STEPS][2]
        plain_train = logits_of(plain, tr)

        smooth, smooth_loss = train(tr, smooth_ce, seed)
        sv, st, s_train = logits_of(smooth, va), logits_of(smooth, te), logits_of(smooth, tr)
        t_s = cal.fit_temperature(sv, y[va])
        optimum = 1 - EPS + EPS / 10
        result["smooth"] = {
            "T": t_s,
            "before": scores(st, y[te]),
            "after": scores(st, y[te], t_s),
            "share_train_above": float(np.mean(xf.softmax(s_train, dim=1).max(1) > optimum)),
            "share_test_above": float(np.mean(xf.softmax(st, dim=1).max(1) > optimum)),
            "max_test_confidence": float(xf.softmax(st, dim=1).max()),
            "train_loss": smooth_loss,
            "plain_train_accuracy": float(np.mean(plain_train.argmax(1) == y[tr])),
        }

        teachers = {
            "plain": (plain_train, plain_val, plain_test, result["final"]["T"]),
            "smooth": (s_train, sv, st, t_s),
        }
        distill = {}
        for name, (t_train, _t_val, t_test, t_fit) in teachers.items():
            soft = torch.from_numpy(xf.softmax(t_train / KD_T, dim=1)).float()
            where = {int(i): k for k, i in enumerate(tr)}

            def kd(out, tgt, idx, soft=soft, where=where):
                rows = torch.tensor([where[int(i)] for i in idx])
                log_q = F.log_softmax(out / KD_T, dim=1)
                kl = F.kl_div(log_q, soft[rows], reduction="batchmean")
                return 0.5 * F.cross_entropy(out, tgt) + 0.5 * KD_T**2 * kl

            student, _ = train(tr, kd, 100 + seed, hidden=32)
            lv, lt = logits_of(student, va), logits_of(student, te)
            distill[name] = {
                "entropy_T4": wrong_class_entropy(t_test, y[te], KD_T),
                "entropy_own_T": wrong_class_entropy(t_test, y[te], KD_T * t_fit),
                "student": scores(lt, y[te]),
                "student_scaled": scores(lt, y[te], cal.fit_temperature(lv, y[va])),
            }
        alone, _ = train(tr, plain_ce, 100 + seed, hidden=32)
        lv, lt = logits_of(alone, va), logits_of(alone, te)
        distill["labels_only"] = {
            "student": scores(lt, y[te]),
            "student_scaled": scores(lt, y[te], cal.fit_temperature(lv, y[va])),
        }
        result["distill"] = distill
        per_seed.append(result)
    return {"seeds": per_seed, "t_steps": t_steps, "kd_temperature": KD_T, "epsilon": EPS}


if __name__ == "__main__":
    from common import write

    write("ch09_seeds", run)
