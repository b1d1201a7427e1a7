"""Round ends for scales that should hold still while their data wobbles."""

from __future__ import annotations

import pytest

from resviz.core.nice_numbers import outward, round_down, round_up


@pytest.mark.parametrize("value, up, down", [
    (0.37, 0.4, 0.3), (1.0, 1.0, 1.0), (2.37, 3.0, 2.0), (7.9, 8.0, 6.0), (8.01, 10.0, 8.0),
    (123.0, 150.0, 100.0), (0.0012, 0.0015, 0.001),
])
def test_values_round_to_the_nearest_step_outward_and_are_written_as_they_read(value, up, down):
    assert round_up(value) == up and round_down(value) == down
    assert repr(round_down(0.37)) == "0.3"  # not 0.30000000000000004 on a colour bar


def test_a_scale_rounded_outward_holds_still_while_its_data_wobbles():
    ends = {outward(0.0, 2.0 + wobble / 100) for wobble in range(1, 90)}
    assert ends == {(0.0, 3.0)}
    assert outward(-0.3, 0.9) == (-0.3, 1.0) and outward(-5.5, -0.2) == (-6.0, -0.2) and outward(0.2, 0.8) == (0.2, 0.8)


def test_nothing_positive_gives_a_unit_scale():
    assert round_up(0.0) == 1.0 and round_up(-3.0) == 1.0 and round_down(0.0) == 0.0
