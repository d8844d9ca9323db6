"""Chapter 10 over ten random splits: students of a teacher, on hard labels, soft targets or both.

Each seed ``s`` in 0..9 splits scikit-learn's 1,797 digits at random (``numpy`` generator
``s``) into 300 training, 500 development and 997 test images, exactly as chapters 9 and 10's
``split(s)`` does, and trains:

- two **teachers**, 64-128-10 MLPs (full-batch Adam, learning rate 0.01, up to 200 steps,
  initial weights from ``torch.manual_seed(s)``, as in chapter 9): one on plain cross-entropy,
  one with label smoothing 0.1; each is kept at the step (a multiple of 10) of its lowest
  development NLL (early stopping on the development set);
- small **students**, 64-16-10 MLPs (the same optimiser and steps, initial weights from
  ``torch.manual_seed(100 + s)``: every student of a split starts from the same weights), on the
  same 300 training images: one on the hard labels alone (``alpha = 0``), and for each teacher
  and each temperature ``T`` in ``TEMPERATURES`` one on the soft targets alone (``alpha = 1``)
  and one on each mixture ``alpha`` in ``MIXTURES`` of
  ``alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) * CE(label)``.
  The loss and the gradient that trains them are ``xent.functional.distillation_loss`` and
  ``distillation_loss_grad``, wrapped as a torch autograd function.

Every student is scored on the development and the test set (accuracy and NLL at T = 1). The
temperature (and, for the mixture, the weight ``alpha``) of each kind of student is chosen per
split on the **development** set (highest accuracy, ties broken by the lower NLL); the chosen
student's test scores are reported. The three sets of a split share no image (disjoint by
construction, checked); ``test_images_also_in_training`` and ``dev_images_also_in_training``
count images whose 64 pixels equal those of a training image (duplicates in the data itself).
Chapter 10 shows the plain teacher of seed 0, which is the chapter's split: its logits of the
300 training images are kept (``teacher_train_logits_seed0``) for the chapter's soft targets.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from xent import functional as xf

SEEDS = range(10)
STEPS = 200
EPS = 0.1  # the label smoothing of the smoothed teacher
TEACHER_HIDDEN = 128
STUDENT_HIDDEN = 16
TEMPERATURES = (1.0, 2.0, 4.0, 8.0)
MIXTURES = (0.5,)


def split(seed: int, n: int):
    order = np.random.default_rng(seed).permutation(n)
    return order[:300], order[300:800], order[800:]


class XentDistillation(torch.autograd.Function):
    """xent's NumPy distillation_loss and its gradient as a torch autograd function."""

    @staticmethod
    def forward(ctx, student, teacher, target, temperature, alpha):
        ctx.save_for_backward(student)
        ctx.args = (teacher, target, temperature, alpha)
        s = student.detach().double().numpy()
        loss = xf.distillation_loss(s, teacher, target, temperature, alpha)
        return torch.tensor(float(loss), dtype=student.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (student,) = ctx.saved_tensors
        s = student.detach().double().numpy()
        grad = xf.distillation_loss_grad(s, *ctx.args)
        return grad_output * torch.from_numpy(grad).to(student.dtype), None, None, None, None


def run() -> dict:
    torch.set_num_threads(1)
    digits_x, digits_y = load_digits(return_X_y=True)
    X = torch.tensor(digits_x / 16.0, dtype=torch.float32)
    Y = torch.from_numpy(digits_y)
    y = digits_y

    def train(idx, loss_fn, seed, hidden, early_stop_on=None):
        """Train a fresh MLP; with early_stop_on, return it at its step of lowest NLL there."""
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        )
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        best = (np.inf, 0, None)
        for step in range(1, STEPS + 1):
            opt.zero_grad()
            loss_fn(model(X[idx]), Y[idx]).backward()
            opt.step()
            if early_stop_on is not None and step % 10 == 0:
                with torch.no_grad():
                    nll = float(F.cross_entropy(model(X[early_stop_on]), Y[early_stop_on]))
                if nll < best[0]:
                    best = (nll, step, copy.deepcopy(model.state_dict()))
        if early_stop_on is not None:
            model.load_state_dict(best[2])
            model.best_step = best[1]
        return model

    def logits_of(model, idx) -> np.ndarray:
        with torch.no_grad():
            return model(X[idx]).double().numpy()

    def scores(model, idx) -> dict[str, float]:
        lg = logits_of(model, idx)
        return {
            "accuracy": float(np.mean(lg.argmax(axis=1) == y[idx])),
            "nll": float(xf.cross_entropy(lg, y[idx])),
        }

    per_seed = []
    for seed in SEEDS:
        tr, dev, te = split(seed, len(y))
        assert not (set(tr) & set(dev) or set(tr) & set(te) or set(dev) & set(te))
        seen = {row.tobytes() for row in digits_x[tr]}
        result: dict = {
            "seed": seed,
            "test_images_also_in_training": sum(row.tobytes() in seen for row in digits_x[te]),
            "dev_images_also_in_training": sum(row.tobytes() in seen for row in digits_x[dev]),
        }
        teachers = {
            "plain": train(tr, F.cross_entropy, seed, TEACHER_HIDDEN, early_stop_on=dev),
            "smooth": train(
                tr,
                lambda out, tgt: F.cross_entropy(out, tgt, label_smoothing=EPS),
                seed,
                TEACHER_HIDDEN,
                early_stop_on=dev,
            ),
        }
        if seed == 0:
            teacher_train_logits = logits_of(teachers["plain"], tr).tolist()
        result["teacher"] = {
            name: {
                "step": m.best_step,
                "dev": scores(m, dev),
                "test": scores(m, te),
                "train": scores(m, tr),
                "train_confidence": float(xf.softmax(logits_of(m, tr), dim=1).max(axis=1).mean()),
            }
            for name, m in teachers.items()
        }
        hard = train(tr, F.cross_entropy, 100 + seed, STUDENT_HIDDEN)
        result["hard"] = {"dev": scores(hard, dev), "test": scores(hard, te)}
        labels = y[tr]
        for name, teacher in teachers.items():
            soft_logits = logits_of(teacher, tr)
            grid = []
            for temperature in TEMPERATURES:
                for alpha in (1.0, *MIXTURES):

                    def loss_fn(out, _tgt, t=temperature, a=alpha, v=soft_logits, y_tr=labels):
                        return XentDistillation.apply(out, v, y_tr, t, a)

                    student = train(tr, loss_fn, 100 + seed, STUDENT_HIDDEN)
                    grid.append(
                        {
                            "T": temperature,
                            "alpha": alpha,
                            "dev": scores(student, dev),
                            "test": scores(student, te),
                        }
                    )
            result[name] = {"grid": grid}
            for kind, allowed in (("soft", (1.0,)), ("both", MIXTURES)):
                candidates = [g for g in grid if g["alpha"] in allowed]
                best = max(candidates, key=lambda g: (g["dev"]["accuracy"], -g["dev"]["nll"]))
                result[name][kind] = best
        per_seed.append(result)
    return {
        "seeds": per_seed,
        "teacher_train_logits_seed0": teacher_train_logits,
        "temperatures": list(TEMPERATURES),
        "mixtures": list(MIXTURES),
        "epsilon": EPS,
        "teacher_hidden": TEACHER_HIDDEN,
        "student_hidden": STUDENT_HIDDEN,
        "steps": STEPS,
    }


if __name__ == "__main__":
    from common import write

    write("ch10_distillation", run)
