"""What the VAE panels say about a model comes from its ModelSpec, so a new VAE file needs no Qt edit."""

from __future__ import annotations

from resviz.core import models


def test_the_conv_vaes_say_when_their_samples_look_like_digits():
    assert models.spec("cvae").digits_after_steps == 900
    assert models.spec("cvae2d").digits_after_steps == 1000
    assert models.spec("cvae-mix").digits_after_steps == 1800  # its 32-epoch one-cycle warms up longer
    unmeasured = [n for n in models.names() if n not in ("cvae", "cvae2d", "cvae-mix")]
    assert all(models.spec(n).digits_after_steps is None for n in unmeasured)


def test_every_vae_with_seed_000s_row_decoder_says_so_and_no_other_model_does():
    with_seed_decoder = {n for n in models.names() if models.spec(n).seed_decoder}
    assert with_seed_decoder == {"vae1", "vae2", "vae", "vae2d"}
    assert with_seed_decoder <= set(models.names("vae"))
