"""The generative side of the sRBM: pattern completion, generation from a label, occlusion
(`completion`), masks (`masks`) and a fixed reference classifier (`reference`)."""
from srbm_jax.generative import masks
from srbm_jax.generative.completion import (
    Completion,
    complete,
    complete_batch,
    generate,
    masked_pixel_error,
    occlusion_accuracy,
)

__all__ = ["Completion", "complete", "complete_batch", "generate", "masked_pixel_error", "masks",
           "occlusion_accuracy"]
