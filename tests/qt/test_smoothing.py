"""The loss curve's moving average matches the plain recurrence, for short and long runs."""

import numpy as np
import pytest

from resviz.qt.widgets.training_curves import smooth


def reference(values, weight):
    out, state = [], 0.0
    for i, x in enumerate(values, start=1):
        state = weight * state + (1 - weight) * x
        out.append(state / (1 - weight ** i))
    return np.array(out)


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.7, 0.95])
@pytest.mark.parametrize("length", [0, 1, 63, 64, 65, 1000])
def test_smooth_matches_the_recurrence(weight, length):
    values = np.random.default_rng(length).exponential(2.0, length) + np.linspace(3, 0.1, length)
    np.testing.assert_allclose(smooth(values, weight), reference(values, weight), rtol=1e-9, atol=1e-12)


def test_a_constant_stays_constant_from_the_first_point():
    np.testing.assert_allclose(smooth(np.full(200, 2.5)), 2.5)
