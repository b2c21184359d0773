"""LogisticSplit and measure_dissimilarity against their definitions (docs/theory.md §7).

Expected values are recomputed here from the raw features, labels and shards with plain numpy
loops over workers and rows, never from the problem's own formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit

import problems
from problems import HeterogeneousQuadratic as HQ
from problems import LogisticSplit, gd_path, measure_dissimilarity

N, D, H = 400, 5, 8


def data(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    base = problems.Logistic.synthetic(N, D, rng=seed)
    return np.array(base.features), np.array(base.labels)


def worker_grad(a: np.ndarray, y: np.ndarray, rows: np.ndarray, reg: float, x: np.ndarray):
    """∇f_i(x) from the definition, one row at a time."""
    g = np.zeros_like(x)
    for j in rows:
        m = y[j] * (a[j] @ x)
        g += -y[j] * a[j] / (1.0 + math.exp(m))
    return g / len(rows) + reg * x


def worker_value(a: np.ndarray, y: np.ndarray, rows: np.ndarray, reg: float, x: np.ndarray):
    return sum(math.log1p(math.exp(-y[j] * (a[j] @ x))) for j in rows) / len(rows) + 0.5 * reg * (
        x @ x
    )


@pytest.fixture(scope="module")
def skewed() -> LogisticSplit:
    a, y = data()
    return LogisticSplit.quantity(a, y, H, alpha=0.3, rng=np.random.default_rng(11), batch=3)


@pytest.fixture(scope="module")
def labelled() -> LogisticSplit:
    a, y = data()
    return LogisticSplit.dirichlet(a, y, H, alpha=0.5, rng=np.random.default_rng(12), batch=2)


# ---------------------------------------------------------------- shards
@pytest.mark.parametrize("kind", ["dirichlet", "quantity", "iid"])
@pytest.mark.parametrize("alpha", [0.05, 1.0, math.inf])
def test_shards_disjoint_nonempty_and_covering(kind: str, alpha: float) -> None:
    a, y = data()
    g = np.random.default_rng(3)
    if kind == "iid":
        p = LogisticSplit.iid(a, y, H, rng=g)
    else:
        p = getattr(LogisticSplit, kind)(a, y, H, alpha=alpha, rng=g, min_size=5)
    rows = np.concatenate(p.shards)
    assert len(p.shards) == p.h == H
    assert all(s.size >= (1 if kind == "iid" else 5) for s in p.shards)
    assert rows.size == np.unique(rows).size == N  # disjoint and covering every row
    assert np.array_equal(p.n_i, [s.size for s in p.shards])
    for s, frac in zip(p.shards, p.label_fractions, strict=True):
        assert frac == np.mean(y[s] == 1.0)
    if kind == "iid" or alpha == math.inf:
        assert p.n_i.max() - p.n_i.min() <= 1


def test_custom_shards_cover_only_what_they_claim() -> None:
    a, y = data()
    shards = [np.array([0, 5, 9]), np.array([100, 7]), np.arange(200, 260)]
    p = LogisticSplit(a, y, shards)
    assert [list(s) for s in p.shards] == [list(s) for s in shards]
    assert np.array_equal(p.n_i, [3, 2, 60])
    rows = np.concatenate(shards)
    x = np.random.default_rng(0).standard_normal(D)
    want = np.mean([worker_grad(a, y, s, p.reg, x) for s in shards], axis=0)
    np.testing.assert_allclose(p.grad(x), want, rtol=1e-12, atol=1e-14)
    # rows outside the shards do not matter: changing them leaves f_H alone
    b = a.copy()
    b[np.setdiff1d(np.arange(N), rows)] *= 3.0
    np.testing.assert_allclose(LogisticSplit(b, y, shards).x_star, p.x_star, atol=1e-12)


# ---------------------------------------------------------------- optimum
def test_x_star_is_stationary_for_the_worker_mean(skewed: LogisticSplit) -> None:
    p = skewed
    a, y = data()
    grads = [worker_grad(a, y, s, p.reg, p.x_star) for s in p.shards]
    assert np.linalg.norm(np.mean(grads, axis=0)) <= 1e-8
    assert 0 < p.x_star_error_bound < 1e-7
    # unequal shard sizes: the row-uniform x* is another point, not stationary for f_H
    assert p.n_i.max() > 3 * p.n_i.min()
    plain = problems.Logistic(a, y, reg=p.reg)
    assert np.linalg.norm(plain.x_star - p.x_star) > 1e-3
    other = np.mean([worker_grad(a, y, s, p.reg, plain.x_star) for s in p.shards], axis=0)
    assert np.linalg.norm(other) > 1e-4
    assert p.f_star == pytest.approx(
        np.mean([worker_value(a, y, s, p.reg, p.x_star) for s in p.shards]), rel=1e-12
    )


def test_L_bounds_the_hessian_of_f_H(skewed: LogisticSplit) -> None:
    p = skewed
    a, _ = data()
    hess = sum(a[s].T @ a[s] / (4.0 * s.size) for s in p.shards) / p.h + p.reg * np.eye(D)
    assert p.L == pytest.approx(np.linalg.eigvalsh(hess)[-1], rel=1e-10)
    worst = max(np.linalg.eigvalsh(a[s].T @ a[s])[-1] / (4 * s.size) for s in p.shards) + p.reg
    assert p.L <= worst * (1 + 1e-12)


# ---------------------------------------------------------------- oracles
def test_value_i_grad_i_and_dissimilarity_by_brute_force(labelled: LogisticSplit) -> None:
    p = labelled
    a, y = data()
    xs = np.random.default_rng(5).standard_normal((3, D))
    gi, vi, dis = p.grad_i(xs), p.value_i(xs), p.dissimilarity(xs)
    assert gi.shape == (3, H, D) and vi.shape == (3, H) and dis.shape == (3,)
    for k, x in enumerate(xs):
        want_g = np.array([worker_grad(a, y, s, p.reg, x) for s in p.shards])
        want_v = np.array([worker_value(a, y, s, p.reg, x) for s in p.shards])
        np.testing.assert_allclose(gi[k], want_g, rtol=1e-11, atol=1e-14)
        np.testing.assert_allclose(vi[k], want_v, rtol=1e-12)
        np.testing.assert_allclose(p.grad(x), want_g.mean(axis=0), rtol=1e-11, atol=1e-14)
        assert float(p.value(x)) == pytest.approx(want_v.mean(), rel=1e-12)
        mean = want_g.mean(axis=0)
        want_d = sum(float(np.sum((gw - mean) ** 2)) for gw in want_g) / H
        assert float(dis[k]) == pytest.approx(want_d, rel=1e-10)


def test_stoch_grad_i_is_the_minibatch_formula(labelled: LogisticSplit) -> None:
    p = labelled
    a, y = data()
    rng = np.random.default_rng(8)
    x = rng.standard_normal(D)
    z = p.sample_workers(rng, (4,))
    got = p.stoch_grad_i(x, z)
    assert got.shape == (4, H, D)
    for k in range(4):
        for i in range(H):
            rows = z[k, i]
            want = np.zeros(D)
            for j in rows:
                want += -y[j] * a[j] * expit(-y[j] * (a[j] @ x))
            np.testing.assert_allclose(
                got[k, i], want / len(rows) + p.reg * x, rtol=1e-12, atol=1e-15
            )
    # each row of a batch equals the row alone, bit for bit
    xs = rng.standard_normal((4, D))
    batch = p.stoch_grad_i(xs, z)
    for k in range(4):
        assert np.array_equal(batch[k], p.stoch_grad_i(xs[k], z[k]))


def test_sample_workers_block_consistent_and_in_shard(labelled: LogisticSplit) -> None:
    p = labelled
    seed = 2024
    ga, gb = np.random.default_rng(seed), np.random.default_rng(seed)
    block = p.sample_workers(ga, (6,))
    loop = np.stack([p.sample_workers(gb, ()) for _ in range(6)])
    assert block.dtype == np.int64 and block.shape == (6, H, p.batch)
    assert np.array_equal(block, loop)
    assert ga.bit_generator.state == gb.bit_generator.state
    assert np.array_equal(p.sample_workers(np.random.default_rng(seed), (6,)), block)
    many = p.sample_workers(np.random.default_rng(1), (500,))
    for i, s in enumerate(p.shards):
        assert np.all(np.isin(many[:, i], s))
    # the f_H sampler too
    ga, gb = np.random.default_rng(seed), np.random.default_rng(seed)
    assert np.array_equal(p.sample(ga, (5, 2)), np.stack([p.sample(gb, (2,)) for _ in range(5)]))
    assert ga.bit_generator.state == gb.bit_generator.state


def _mean_within(draws: np.ndarray, target: np.ndarray, z: float = 5.0) -> None:
    """Every coordinate of the mean of ``draws [n, ...]`` within z standard errors of target."""
    n = draws.shape[0]
    se = draws.std(axis=0, ddof=1) / math.sqrt(n)
    assert np.all(np.abs(draws.mean(axis=0) - target) <= z * se + 1e-12)


def test_stoch_grad_i_unbiased(labelled: LogisticSplit) -> None:
    p = labelled
    rng = np.random.default_rng(21)
    x = rng.standard_normal(D) * 0.5
    draws = p.stoch_grad_i(x, p.sample_workers(rng, (20000,)))
    _mean_within(draws, p.grad_i(x))
    # variance within the declared bound, per worker
    var = np.sum(draws.var(axis=0), axis=-1)
    assert np.all(var <= p.sigma2 * 1.1)


def test_f_H_oracle_unbiased(skewed: LogisticSplit) -> None:
    p = skewed
    rng = np.random.default_rng(22)
    x = rng.standard_normal(D) * 0.5
    z = p.sample(rng, (40000,))
    draws = p.stoch_grad(x, z)
    _mean_within(draws, p.grad(x))
    # a row-uniform sampler would be biased for the worker mean: the row frequencies are 1/(h n_i)
    counts = np.bincount(z.ravel(), minlength=N)
    freq = np.array([counts[s].sum() for s in p.shards]) / z.size
    se = np.sqrt(1 / H * (1 - 1 / H) / z.size)
    assert np.all(np.abs(freq - 1 / H) <= 5 * se)


# ---------------------------------------------------------------- α has an effect
def test_alpha_changes_label_skew() -> None:
    """Mean over 12 split seeds of the std of label_fractions, and of the measured G², on the
    same data: strictly decreasing from α = 0.05 to 1 to 100 (fails if α were ignored)."""
    a, y = data()
    seeds = range(12)
    spread: dict[float, float] = {}
    g2: dict[float, float] = {}
    for alpha in [0.05, 1.0, 100.0]:
        s_list, g_list = [], []
        for seed in seeds:
            p = LogisticSplit.dirichlet(a, y, H, alpha=alpha, rng=np.random.default_rng(seed))
            assert p.method == "dirichlet" and p.alpha == alpha
            s_list.append(float(np.std(p.label_fractions)))
            g_list.append(measure_dissimilarity(p, p.x_star[None, :]).G2_opt)
        spread[alpha], g2[alpha] = float(np.mean(s_list)), float(np.mean(g_list))
    spread_iid = float(
        np.mean(
            [
                np.std(LogisticSplit.iid(a, y, H, rng=np.random.default_rng(s)).label_fractions)
                for s in seeds
            ]
        )
    )
    assert spread[0.05] > spread[1.0] > spread[100.0]
    assert spread[0.05] > 3 * spread_iid
    # large finite α deals each class in near-equal parts (a stratified split), which is more
    # balanced than the IID permutation that α = inf stands for
    assert spread[100.0] < spread_iid < spread[1.0]
    assert g2[0.05] > g2[100.0] > 0


def test_alpha_changes_quantity_skew() -> None:
    a, y = data()
    sizes = {
        alpha: float(np.std(LogisticSplit.quantity(a, y, H, alpha=alpha, rng=4).n_i))
        for alpha in [0.05, 1.0, 100.0, math.inf]
    }
    assert sizes[0.05] > sizes[1.0] > sizes[100.0] > sizes[math.inf]
    assert sizes[0.05] > 10 * sizes[100.0]


def test_two_alphas_give_different_shards() -> None:
    a, y = data()
    for build in (LogisticSplit.dirichlet, LogisticSplit.quantity):
        s1 = build(a, y, H, alpha=0.5, rng=9).shards
        s2 = build(a, y, H, alpha=5.0, rng=9).shards
        assert any(not np.array_equal(u, v) for u, v in zip(s1, s2, strict=True))
        again = build(a, y, H, alpha=0.5, rng=9).shards
        assert all(np.array_equal(u, v) for u, v in zip(s1, again, strict=True))


def test_synthetic_reuses_logistic_data() -> None:
    p = LogisticSplit.synthetic(300, 4, 6, split="quantity", alpha=2.0, rng=1, data_rng=5)
    base = problems.Logistic.synthetic(300, 4, rng=5)
    assert np.array_equal(p.features, base.features) and np.array_equal(p.labels, base.labels)
    assert p.method == "quantity" and p.alpha == 2.0 and p.h == 6
    iid = LogisticSplit.synthetic(300, 4, 6, split="iid", rng=1, data_rng=5)
    assert iid.method == "iid" and iid.n_i.max() - iid.n_i.min() <= 1


# ---------------------------------------------------------------- measure_dissimilarity
def _raw(p: object, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D and ‖∇f_H‖² at x* and the points, from grad_i and grad by a loop over points."""
    xs = np.concatenate([np.asarray(p.x_star)[None, :], pts])  # type: ignore[attr-defined]
    dis, gn2 = [], []
    for x in xs:
        gi = np.asarray(p.grad_i(x))  # type: ignore[attr-defined]
        g = gi.mean(axis=0)
        dis.append(float(np.mean([np.sum((row - g) ** 2) for row in gi])))
        gn2.append(float(np.sum(np.asarray(p.grad(x)) ** 2)))  # type: ignore[attr-defined]
    return np.array(dis), np.array(gn2)


def test_measure_keeps_the_raw_arrays_with_x_star_first() -> None:
    p = HQ.random(5, 3, rng=40)
    pts = np.random.default_rng(41).standard_normal((7, 3))
    m = measure_dissimilarity(p, pts)
    want_d, want_n = _raw(p, pts)
    assert m.D.shape == m.N.shape == (8,) and m.n_points == 7
    np.testing.assert_allclose(m.D, want_d, rtol=1e-12)
    np.testing.assert_allclose(m.N, want_n, rtol=1e-12, atol=1e-30)
    assert m.N[0] == 0.0 and m.G2_opt == m.D[0] == pytest.approx(p.E, rel=1e-12)
    assert m.G2 == m.G2_at_B0 == m.G2_at(0.0) == float(np.max(m.D))
    assert m.B2 == m.B2_at(2.0 * m.G2_opt)
    assert not m.D.flags.writeable and not m.N.flags.writeable
    with pytest.raises(AttributeError):
        m.B2 = 1.0  # type: ignore[misc]
    for text in ("2·G2_opt", "lower estimate", "7 points", "not exact"):
        assert text in m.method


def test_measure_pure_g_equals_exact_frontier() -> None:
    c = np.random.default_rng(31).standard_normal((6, 3))
    p = HQ.pure_g(c, curvature=1.7)
    pts = gd_path(p, 40, lr=0.3 / p.L) + np.random.default_rng(1).standard_normal((40, 3))
    m = measure_dissimilarity(p, pts)
    assert m.G2 == pytest.approx(p.G2(0.0), rel=1e-10, abs=1e-12)
    assert m.G2_opt == pytest.approx(p.E, rel=1e-10)
    assert m.B2 == 0.0 and m.B2_at(m.G2_opt) == 0.0  # D is constant: G² = E covers every x
    assert m.G2_at_B0 == pytest.approx(p.E, rel=1e-10)
    assert m.n_points == 40 and "40 points" in m.method


@pytest.mark.parametrize("seed", [33, 35, 36])
def test_G2_at_is_below_the_exact_frontier_and_reaches_it_at_worst_x(seed: int) -> None:
    p = HQ.random(5, 3, rng=seed)
    rng = np.random.default_rng(seed + 1)
    pts = p.x_star + rng.standard_normal((200, 3)) * rng.choice([0.1, 1.0, 5.0], (200, 1))
    b2s = p.B2_min + np.array([1e-3, 0.1, 1.0, 10.0])
    m = measure_dissimilarity(p, np.concatenate([gd_path(p, 30), pts]))
    for b2 in b2s:
        assert m.G2_at(float(b2)) <= p.G2(float(b2)) * (1 + 1e-12)
    # with the maximisers on the path, the measured frontier meets the exact one
    worst = np.stack([p.worst_x(float(b2)) for b2 in b2s])
    rich = measure_dissimilarity(p, np.concatenate([pts, worst]))
    for b2 in b2s:
        assert rich.G2_at(float(b2)) == pytest.approx(p.G2(float(b2)), rel=1e-9)
    # B2_at inverts G2_at on the points: the pair it returns covers every one of them
    for g2 in (rich.G2_opt * 1.5, rich.G2_opt * 3.0, rich.G2):
        b2 = rich.B2_at(g2)
        assert math.isfinite(b2)
        assert np.all(rich.D <= g2 + b2 * rich.N + 1.01e-9 * (rich.D + g2))
        assert rich.B2_at(g2 * 1.01) <= b2 < rich.B2_at(g2 * 0.99)
        # ... and it is below what the exact frontier needs at that G² (G² > E)
        if b2 > 0:
            assert p.G2(b2) >= g2 * (1 - 1e-9)
    assert rich.B2_at(rich.G2) == 0.0
    assert m.B2 > 0  # the random instance has w != 0: 2·G2_opt alone does not cover the points


def test_B2_at_on_pure_b_tends_to_b2_min() -> None:
    a = np.array([0.5, 1.0, 2.0, 3.0])
    p = HQ.pure_b(a, np.array([0.3, -0.2]), radius=10.0)
    rng = np.random.default_rng(32)
    one = measure_dissimilarity(p, rng.standard_normal((1, 2)))
    assert one.G2_opt == 0.0 and one.G2 > 0.0
    # D = v‖u‖², ‖∇f_H‖² = ā²‖u‖²: with G² = 0 a single point already gives B2_min
    assert one.B2 == one.B2_at(0.0) == pytest.approx(p.B2_min, rel=1e-8)
    assert one.B2 <= p.B2_min
    # with G² > 0, B2_at(G²) = B2_min − G²/max‖∇f_H‖²: it grows to B2_min with the path's reach
    near = measure_dissimilarity(p, rng.standard_normal((50, 2)) * 0.5)
    far = measure_dissimilarity(p, rng.standard_normal((50, 2)) * 50.0)
    g2 = 0.1
    assert near.B2_at(g2) < far.B2_at(g2) <= p.B2_min
    assert far.B2_at(g2) == pytest.approx(p.B2_min, rel=1e-3)
    assert far.B2_at(g2) == pytest.approx(p.B2_min - g2 / float(np.max(far.N)), rel=1e-8)


class _Stub:
    """grad_i/grad chosen so that D and ‖∇f_H‖² take given values at x = 0, 1, 2, ... (1-D)."""

    def __init__(self, dis: list[float], gn2: list[float]) -> None:
        self.x_star = np.zeros(1)
        self.dis, self.gn2 = dis, gn2

    def grad(self, x: np.ndarray) -> np.ndarray:
        k = np.rint(np.asarray(x)[..., 0]).astype(int)
        return np.sqrt(np.asarray(self.gn2)[k])[..., None]

    def grad_i(self, x: np.ndarray) -> np.ndarray:
        k = np.rint(np.asarray(x)[..., 0]).astype(int)
        s = np.sqrt(np.asarray(self.dis)[k])[..., None, None]
        g = self.grad(x)[..., None, :]
        return g + s * np.array([[1.0], [-1.0]])  # two workers at ∇f_H ± sqrt(D)


def test_B2_at_rounding_guard() -> None:
    g2 = 0.25
    # x* has N = 0; point 1 has N = 0 and D above G2_opt by 1e-13 relative (rounding noise)
    p = _Stub([g2, g2 * (1 + 1e-13), 0.3], [0.0, 0.0, 0.5])
    m = measure_dissimilarity(p, np.array([[1.0], [2.0]]))
    np.testing.assert_allclose(m.D, [g2, g2 * (1 + 1e-13), 0.3], rtol=1e-15)
    assert m.B2_at(g2) == pytest.approx((0.3 - g2) / 0.5, rel=1e-6)  # the noise is ignored
    assert m.B2 == 0.0  # 2·G2_opt = 0.5 covers D = 0.3
    strict = measure_dissimilarity(p, np.array([[1.0], [2.0]]), rtol=0.0)
    assert strict.B2_at(g2) == math.inf  # without the guard the noise is an uncovered point
    # a real excess at a stationary point cannot be covered by any B²
    q = _Stub([g2, 2 * g2, 0.3], [0.0, 0.0, 0.5])
    mq = measure_dissimilarity(q, np.array([[1.0], [2.0]]))
    assert mq.B2_at(g2) == math.inf and mq.B2_at(2 * g2) == pytest.approx(0.0)
    assert mq.B2_at(0.0) == math.inf and mq.B2_at(1.0) == 0.0


def test_logistic_B2_is_finite_where_G2_opt_would_diverge(labelled: LogisticSplit) -> None:
    p = labelled
    m = measure_dissimilarity(p, gd_path(p, 200))
    assert m.G2_opt > 0 and m.G2 >= m.G2_opt
    assert math.isfinite(m.B2)
    assert m.G2_at(1.0) <= m.G2 and m.G2_at(1.0) >= m.G2_opt
    # the B² covering the path with G² = D(x*) alone is far larger (it diverges along the path)
    assert m.B2_at(m.G2_opt) > 10 * max(m.B2, 1.0)


def test_measure_validates() -> None:
    p = HQ.random(3, 2, rng=1)
    pts = np.zeros((4, 2))
    pts[2, 1] = np.nan
    with pytest.raises(ValueError, match="points must be finite"):
        measure_dissimilarity(p, pts)
    with pytest.raises(ValueError, match="points must be a"):
        measure_dissimilarity(p, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="rtol must"):
        measure_dissimilarity(p, np.zeros((4, 2)), rtol=-1.0)
    m = measure_dissimilarity(p, np.ones((4, 2)))
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match=r"^B2 must"):
            m.G2_at(bad)
        with pytest.raises(ValueError, match=r"^G2 must"):
            m.B2_at(bad)
    empty = measure_dissimilarity(p, np.zeros((0, 2)))
    assert empty.n_points == 0 and empty.G2 == empty.G2_opt and empty.B2 == 0.0


def test_gd_path_is_projected_gradient_descent(skewed: LogisticSplit) -> None:
    p = skewed
    path = gd_path(p, 5)
    assert path.shape == (5, D)
    assert np.array_equal(path[0], p.x0)
    for t in range(4):
        step = p.project(path[t] - (1.0 / p.L) * p.grad(path[t]))
        np.testing.assert_array_equal(path[t + 1], step)
    with pytest.raises(ValueError, match="T must"):
        gd_path(p, 0)
    with pytest.raises(ValueError, match="lr must"):
        gd_path(p, 3, lr=-1.0)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"alpha": 0.0}, "alpha must"),
        ({"alpha": -1.0}, "alpha must"),
        ({"alpha": math.nan}, "alpha must"),
        ({"alpha": "big"}, "alpha must"),
        ({"h": 0}, "h must"),
        ({"h": 401}, "h must"),
        ({"split": "label"}, "split must"),
        ({"reg": 0.0}, "reg must"),
        ({"batch": 0}, "batch must"),
        ({"radius": -1.0}, "radius must"),
        ({"n_samples": 1}, "n_samples must"),
        ({"dim": 0}, "dim must"),
        ({"rng": "seed"}, "rng must"),
        ({"data_rng": 1.5}, "data_rng must"),
    ],
)
def test_synthetic_validates_every_keyword(kw: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"n_samples": 400, "dim": 5, "h": 8}
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        LogisticSplit.synthetic(**args)  # type: ignore[arg-type]


def test_constructors_validate() -> None:
    a, y = data()
    with pytest.raises(ValueError, match="h must"):
        LogisticSplit.dirichlet(a, y, 50, alpha=1.0, min_size=10)
    with pytest.raises(ValueError, match="min_size must"):
        LogisticSplit.quantity(a, y, 4, alpha=1.0, min_size=0)
    with pytest.raises(ValueError, match="labels must"):
        LogisticSplit.dirichlet(a, np.where(y > 0, 1.0, 0.0), 4, alpha=1.0)
    with pytest.raises(ValueError, match="alpha must"):
        LogisticSplit.quantity(a, y, 4, alpha=0.0)
    with pytest.raises(ValueError, match="shards must be disjoint"):
        LogisticSplit(a, y, [np.array([0, 1]), np.array([1, 2])])
    with pytest.raises(ValueError, match=r"shards\[1\] must be a non-empty"):
        LogisticSplit(a, y, [np.array([0, 1]), np.array([], dtype=int)])
    with pytest.raises(ValueError, match="shards must be a list"):
        LogisticSplit(a, y, [])
    with pytest.raises(ValueError, match=r"shards\[0\] must index"):
        LogisticSplit(a, y, [np.array([0, N])])


def test_logistic_split_method_is_the_split_constructor_on_its_data() -> None:
    base = problems.Logistic.synthetic(300, 4, reg=0.05, batch=2, rng=7)
    for by in ("dirichlet", "quantity", "iid"):
        got = base.split(6, by=by, alpha=0.3, rng=11)
        if by == "iid":
            want = problems.LogisticSplit.iid(
                base.features, base.labels, 6, rng=11, reg=0.05, batch=2
            )
        else:
            build = getattr(problems.LogisticSplit, by)
            want = build(base.features, base.labels, 6, alpha=0.3, rng=11, reg=0.05, batch=2)
        assert got.method == by and got.reg == 0.05 and got.batch == 2
        assert all(np.array_equal(u, v) for u, v in zip(got.shards, want.shards, strict=True))
        np.testing.assert_array_equal(got.x_star, want.x_star)
    with pytest.raises(ValueError, match=r"^by must be one of \['dirichlet', 'quantity', 'iid'\]"):
        base.split(6, by="label")
