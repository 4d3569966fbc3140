"""Input front ends: how an image drives the data neurons (`base.FrontEnd`).

Registered by name in `FRONT_ENDS`: "pixels" (one neuron per pixel, threshold or rate coded; the
default), "pooling" (the slides' 2x2 average / max / combined pooling, standardised and
thresholded), "cnn" (the Mode 1 / Mode 2 features of the slides' small CNN, or of a wider one), "lower_rbm" (a trained
lower sRBM's hidden spikes: the spiking DBN). Chosen in a
config with `config.front_end`, or passed as `Spec(front_end=...)` with its parameters in
`Params.front_end`.
"""
from srbm_jax.frontends.base import FrontEnd, thresholded
from srbm_jax.frontends.cnn import (
    DEFAULT_CNN_CHECKPOINT,
    CnnArchitecture,
    CnnFeatures,
    CnnParams,
    SlidesCnn,
    cnn_from_checkpoint,
    cnn_params_from_checkpoint,
)
from srbm_jax.frontends.lower_rbm import LowerParams, LowerRbm, lower_params_from_run
from srbm_jax.frontends.pixels import PixelCoding
from srbm_jax.frontends.pooling import LAYOUTS, MAPS, Pooling, layout_vector, pooled_maps

FRONT_ENDS = {"pixels": PixelCoding, "pooling": Pooling, "cnn": CnnFeatures,
              "lower_rbm": LowerRbm}

__all__ = ["DEFAULT_CNN_CHECKPOINT", "FRONT_ENDS", "LAYOUTS", "MAPS", "CnnArchitecture",
           "CnnFeatures", "CnnParams", "FrontEnd", "LowerParams", "LowerRbm", "PixelCoding",
           "Pooling", "SlidesCnn", "cnn_from_checkpoint", "cnn_params_from_checkpoint",
           "layout_vector", "lower_params_from_run", "pooled_maps", "thresholded"]
