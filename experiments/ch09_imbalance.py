"""Chapter 9 over ten splits: focal loss, class weights and logit adjustment, imbalanced digits.

Each seed ``s`` in 0..9 orders scikit-learn's 1,797 digits at random (``numpy`` generator
``s``, as the chapter's ``split(s)``): the first 600 are the pool the imbalanced training set
is drawn from (every image of the digits 0 to 4, and each image of 5 to 9 with probability 0.1,
generator ``1000 + s``), the next 200 a balanced development set, the other 997 the balanced
test set. Three copies of the chapter's network (64-128-10 MLP, full-batch Adam 0.01, initial
weights ``torch.manual_seed(s)``) train for 200 steps: plain cross-entropy, cross-entropy with
inverse-frequency class weights, and xent's focal loss with gamma = 2. A fourth model is the
plain one with **post-hoc logit adjustment** (Menon et al., 2021): the log of each class's
training frequency is subtracted from its logit, which turns a model of the training
frequencies into one of equal frequencies, as in the test set. Each of the four is scored on
the test set as it is and after a temperature fitted on the development set (accuracy, recall
of the rare digits, mean confidence, NLL, Brier score, ECE), with the recall of each digit. The
plain model's confidence minus its accuracy is also kept where it predicts a common digit and
where it predicts a rare one (the label shift between training and test set). The plain and
class-weighted models are also scored at step 40, where class weights' gain in rare recall is
larger. Chapter 9 shows seed 0, the chapter's own split, and quotes all ten.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from xent import calibration as cal
from xent import functional as xf

SEEDS = range(10)
STEPS = 200
EARLY = 40
GAMMA = 2.0


class XentFocalLoss(torch.autograd.Function):
    """xent's NumPy focal_loss and focal_loss_grad as a torch autograd function."""

    @staticmethod
    def forward(ctx, logits, target, gamma):
        ctx.save_for_backward(logits, target)
        ctx.gamma = gamma
        return torch.from_numpy(xf.focal_loss(logits.detach().numpy(), target.numpy(), gamma))

    @staticmethod
    def backward(ctx, grad_output):
        logits, target = ctx.saved_tensors
        grad = xf.focal_loss_grad(logits.detach().numpy(), target.numpy(), ctx.gamma)
        return grad_output * torch.from_numpy(grad), None, None


def scores(logits: np.ndarray, labels: np.ndarray, t: float = 1.0) -> dict[str, float]:
    probs = xf.softmax(logits / t, dim=1)
    right = probs.argmax(axis=1) == labels
    return {
        "accuracy": float(right.mean()),
        "rare_recall": float(right[labels >= 5].mean()),
        "confidence": float(probs.max(axis=1).mean()),
        "nll": float(xf.cross_entropy(logits / t, labels)),
        "brier": cal.brier_score(probs, labels),
        "ece": cal.expected_calibration_error(probs, labels),
    }


def run() -> dict:
    torch.set_num_threads(1)
    digits_x, digits_y = load_digits(return_X_y=True)
    X = torch.tensor(digits_x / 16.0, dtype=torch.float32)
    Y = torch.from_numpy(digits_y)
    y = digits_y

    def logits_of(model, idx) -> np.ndarray:
        with torch.no_grad():
            return model(X[idx]).double().numpy()

    def train(idx, loss_fn, seed, snapshot_at=None):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)
        )
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        snapshot = None
        for step in range(1, STEPS + 1):
            opt.zero_grad()
            loss_fn(model(X[idx]), Y[idx]).backward()
            opt.step()
            if step == snapshot_at:
                snapshot = {k: v.clone() for k, v in model.state_dict().items()}
        return model, snapshot

    per_seed = []
    for seed in SEEDS:
        order = np.random.default_rng(seed).permutation(len(y))
        pool, dev, test = order[:600], order[600:800], order[800:]
        kept = (y[pool] < 5) | (np.random.default_rng(1000 + seed).random(len(pool)) < 0.1)
        train_idx = pool[kept]
        counts = np.bincount(y[train_idx], minlength=10)
        weight = torch.tensor(counts.sum() / (10 * counts), dtype=torch.float32)
        losses = {
            "plain": F.cross_entropy,
            "weights": lambda out, tgt, w=weight: F.cross_entropy(out, tgt, w),
            "focal": lambda out, tgt: XentFocalLoss.apply(out, tgt, GAMMA),
        }
        result: dict = {"seed": seed, "counts": counts.tolist()}
        logits = {}
        for name, loss_fn in losses.items():
            model, early = train(train_idx, loss_fn, seed, snapshot_at=EARLY)
            logits[name] = (logits_of(model, dev), logits_of(model, test))
            if name in ("plain", "weights"):
                model.load_state_dict(early)
                result[f"{name}_step{EARLY}"] = scores(logits_of(model, test), y[test])
        log_prior = np.log(counts / counts.sum())
        logits["adjusted"] = tuple(lg - log_prior for lg in logits["plain"])
        for name, (lv, lt) in logits.items():
            t = cal.fit_temperature(lv, y[dev])
            right = lt.argmax(axis=1) == y[test]
            result[name] = {
                "T": t,
                "before": scores(lt, y[test]),
                "after": scores(lt, y[test], t),
                "recall_per_digit": [float(right[y[test] == c].mean()) for c in range(10)],
            }
        probs = xf.softmax(logits["plain"][1], dim=1)
        predicted, confidence = probs.argmax(axis=1), probs.max(axis=1)
        result["plain_gap_by_prediction"] = {
            kind: float(confidence[where].mean() - (predicted == y[test])[where].mean())
            for kind, where in (("common", predicted < 5), ("rare", predicted >= 5))
        }
        per_seed.append(result)
    return {"seeds": per_seed, "gamma": GAMMA, "early_step": EARLY, "steps": STEPS}


if __name__ == "__main__":
    from common import write

    write("ch09_imbalance", run)
