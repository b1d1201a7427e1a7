"""The Draw & classify latency bench drives the real panels and waits in the event loop."""

from resviz.bench.draw_latency import screen_latency


def test_each_stroke_segment_is_timed_until_both_panels_show_it(qapp):
    times = screen_latency("cnn", iterations=6, timeout_s=60)  # the mechanics, not the speed: a loaded machine may be slow
    assert len(times) == 6
    assert all(0 < t < 60_000 for t in times)
