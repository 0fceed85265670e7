"""Whether a slice's change is more than noise: a two-proportion z test whose variance
holds the binomial noise of both counts and the store's own week-to-week variation, then
Holm's correction over every slice examined.

- **Week-to-week variation** (``tau2``): how much a slice's share moves from one norm
  week to the next beyond binomial noise, on the log-odds scale, estimated once for the
  scope from every slice's norm weeks with the method of moments of DerSimonian & Laird
  ("Meta-analysis in clinical trials", Controlled Clinical Trials 7(3), 1986), the slices
  pooled. A store whose weeks differ a lot needs a larger change before one is shown.
- **The test** of one slice: z = (|p₁ − p₀| − c) / √(p̄(1 − p̄)(1/n₁ + 1/n₀) +
  (p̄(1 − p̄))² · τ² · (1 + 1/k)), p₁ the week's share, p₀ the norm's (k weeks), p̄ both
  pooled, c = ½(1/n₁ + 1/n₀) Yates's continuity correction (which keeps small slices from
  passing on the normal curve's thin tail); two-sided (Agresti, *Categorical Data
  Analysis*, 3rd ed., 2013, §2.1–2.2 and §3.1).
- **Holm's step-down correction** over the m slices examined keeps the chance of showing
  any change in a week where nothing changed at most α = 0.05 (Holm, "A simple
  sequentially rejective multiple test procedure", Scand. J. Statist. 6(2), 1979).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ALPHA = 0.05
MIN_WEEK_N = 5  # a norm week with fewer ratings of a slice says little of its variation


def week_variation(weekly: Sequence[Sequence[tuple[int, int]]]) -> float:
    """τ² (log-odds², ≥ 0): the variance of the weeks' true shares beyond binomial noise,
    from several slices' norm weeks, each a sequence of (n, x) per week."""
    q_sum, df_sum, c_sum = 0.0, 0, 0.0
    for weeks in weekly:
        used = [(n, x) for n, x in weeks if n >= MIN_WEEK_N]
        if len(used) < 2:
            continue
        y = [math.log((x + 0.5) / (n - x + 0.5)) for n, x in used]
        w = [1 / (1 / (x + 0.5) + 1 / (n - x + 0.5)) for n, x in used]
        total = sum(w)
        mean = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / total
        q_sum += sum(wi * (yi - mean) ** 2 for wi, yi in zip(w, y, strict=True))
        df_sum += len(used) - 1
        c_sum += total - sum(wi * wi for wi in w) / total
    return max(0.0, (q_sum - df_sum) / c_sum) if c_sum else 0.0


def standard_error(n1: int, x1: int, n0: int, x0: int, tau2: float = 0.0, weeks: int = 8) -> float:
    """The standard error of the week's share less the norm's (a fraction), under no
    change: the binomial noise of both and the week-to-week variation *tau2*."""
    pooled = (x1 + x0) / (n1 + n0)
    spread = pooled * (1 - pooled)
    return math.sqrt(spread * (1 / n1 + 1 / n0) + spread**2 * tau2 * (1 + 1 / weeks))


def two_proportions(n1: int, x1: int, n0: int, x0: int, tau2: float = 0.0, weeks: int = 8) -> float:
    """The two-sided p-value of the week's share x1/n1 against the norm's x0/n0 over
    *weeks* weeks, with the week-to-week variation *tau2*; 1.0 when both shares are 0 %
    or both 100 %."""
    if x1 + x0 in (0, n1 + n0):
        return 1.0
    gap = max(0.0, abs(x1 / n1 - x0 / n0) - 0.5 * (1 / n1 + 1 / n0))
    # 2 × the normal curve's upper tail at z: erfc(z / √2), as scipy's norm.sf computes
    # it, without its array machinery (70 µs a call; a region's week tests thousands)
    return math.erfc(gap / standard_error(n1, x1, n0, x0, tau2, weeks) / math.sqrt(2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
