"""What the PCM pair devices share: SET-only pair updates, pulse-by-pulse loops, refresh, counters.

PCM RESET is abrupt (melt-quench to the amorphous minimum), so a PCM pair is trained with SET
pulses only (the standard PCM differential-pair scheme, docs/model.md#devices):
* potentiation (gate +1, data phase): one SET pulse on Gp per event;
* depression (gate -1, model phase): one SET pulse on Gm per event;
and the devices are RESET only by the refresh (`refresh.refresh_pair`), which keeps the pair
away from saturation. Potentiation and depression program different devices, so their order
within one call does not matter; both are applied in the same pulse loop.

A SET step depends on the conductance, so n events are applied as n successive pulses: pulse i
(i = 0, 1, ...) reaches the synapses whose count exceeds i. At most `max_pulses_per_call` pulses
per device per call are applied; the excess is dropped and counted in `clipped_pulses`.

Counters in the state are per synapse, float32 [n_visible, n_hidden] (exact integers up to
2^24 per synapse; a single float32 scalar total would stop counting once it passed 2^24):
* set_pulses: SET pulses applied to the pair (a proxy for programming energy / endurance);
* reset_pulses: RESET operations, 2 per refresh (the ideal re-programming is not counted);
* refresh_count: refreshes of the synapse;
* clipped_pulses: events dropped because a count exceeded `max_pulses_per_call`;
and one float32 scalar, apply_calls: the `apply` calls so far (exact up to 2^24 calls), which
sets the refresh period: with `auto_refresh` the refresh check runs after every
`refresh_every`-th call (params.refresh_every, an integer >= 1, traced; 1 = after every call;
aihwkit `refresh_every`).
"""
from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from srbm_jax import random as srbm_random
from srbm_jax.devices.base import Device, check_field, check_params
from srbm_jax.devices.refresh import refresh_pair

# The rows of devices a call pulses are handled in chunks of this fraction of the pair's rows.
# A PCM pair call on MNIST (IBM defaults, 100 ms) pulses devices in 3-39 % of its 2 x 832 rows,
# ~10 % on average (measured in session 15), so one to a few chunks hold them; how many chunks
# run never changes the result.
CHUNK_FRACTION = 16


def pulse_loop(key: jax.Array, n_pulses: jax.Array, carry: Any,
               step: Callable[[jax.Array, Any, Any, Any], Any], params: Any,
               aux: Any = ()) -> Any:
    """Apply n_pulses[j] successive pulses to element j of every array in `carry`.

    Pulse i (i = 0, 1, ...) of element j is  carry[j] <- step(xi_ij, carry[j], aux[j], params)
    with xi_ij = `srbm_random.normal(fold_in(key, i), n_pulses.shape)`[j]: a standard normal
    that depends on the key, the pulse index and the element's flat index only, so it is the
    same however many pulses follow and however the elements are grouped.

    Only the rows (last axis = a row) that hold a pulsed element are visited: their indices are
    listed in order and taken in chunks of ceil(rows / CHUNK_FRACTION); in a chunk the pulses
    run i = 0 .. max(n) - 1 on the gathered rows, whose noise is hashed from the elements' flat
    indices (`srbm_random.normal_at`). A call that pulses devices in 10 % of the rows thus costs
    about one whole-matrix pass, not max(n) of them, with the same result bit for bit
    (tests/test_pcm_devices.py checks it against the whole-matrix loop). Under `vmap` every
    network would run to the longest one's chunks and pulses: `AbstractPcmPair.apply` runs the
    networks one after another instead.

    Args:
      key: the call's key. n_pulses: pulse counts (>= 0), any shape with rows on the last axis.
      carry: a pytree of arrays shaped like n_pulses, updated pulse by pulse.
      step: `step(noise, carry, aux, params) -> carry`, elementwise on arrays of one shape.
      params: a pytree the step reads (the device's params).
      aux: a pytree of arrays shaped like n_pulses that the step reads (not updated).
    Returns:
      carry after every element's pulses.
    """
    shape = n_pulses.shape
    n_cols = shape[-1]
    n_rows = int(np.prod(shape)) // n_cols
    chunk = max(1, -(-n_rows // CHUNK_FRACTION))

    def as_rows(tree):
        return jax.tree_util.tree_map(lambda a: a.reshape(n_rows, n_cols), tree)

    counts, carry_rows, aux_rows = as_rows(n_pulses), as_rows(carry), as_rows(aux)
    active = jnp.max(counts, axis=1) > 0
    # The pulsed rows in order, padded with n_rows (out of range: gathers 0, scatters nothing).
    order = jnp.nonzero(active, size=n_rows + chunk, fill_value=n_rows)[0]
    n_chunks = -(-jnp.sum(active.astype(jnp.int32)) // chunk)
    columns = lax.iota(jnp.uint32, n_cols)[None, :]

    def one_chunk(c, carry_rows):
        index = lax.dynamic_slice(order, (c * chunk,), (chunk,))

        def take(a):
            return a.at[index].get(mode="fill", fill_value=0)

        n_c = take(counts)
        part, part_aux = jax.tree_util.tree_map(take, (carry_rows, aux_rows))
        counter = index.astype(jnp.uint32)[:, None] * jnp.uint32(n_cols) + columns

        def one_pulse(i, part):
            noise = srbm_random.normal_at(jax.random.fold_in(key, i), counter)
            new = step(noise, part, part_aux, params)
            return jax.tree_util.tree_map(lambda a, b: jnp.where(n_c > i, a, b), new, part)

        part = lax.fori_loop(0, jnp.max(n_c).astype(jnp.int32), one_pulse, part)
        return jax.tree_util.tree_map(lambda a, b: a.at[index].set(b, mode="drop"),
                                      carry_rows, part)

    carry_rows = lax.fori_loop(0, n_chunks, one_chunk, carry_rows)
    return jax.tree_util.tree_map(lambda a: a.reshape(shape), carry_rows)


def whole_matrix_pulse_loop(key: jax.Array, n_pulses: jax.Array, carry: Any,
                            step: Callable[[jax.Array, Any, Any, Any], Any], params: Any,
                            aux: Any = ()) -> Any:
    """The reference for `pulse_loop` (the loop of sessions 4-14): pulse i runs over every
    element, carry <- where(n_pulses > i, step(xi_i, carry, aux, params), carry) with
    xi_i = `srbm_random.normal(fold_in(key, i), n_pulses.shape)`, for i < max(n_pulses).
    max(n) whole-matrix passes per call; tests and `benchmarks.pcm_update` compare with it."""
    def body(i, carry):
        noise = srbm_random.normal(jax.random.fold_in(key, i), n_pulses.shape)
        new = step(noise, carry, aux, params)
        return jax.tree_util.tree_map(lambda a, b: jnp.where(n_pulses > i, a, b), new, carry)

    return lax.fori_loop(0, jnp.max(n_pulses).astype(jnp.int32), body, carry)


def zeros_counters(shape: tuple[int, int]) -> dict[str, jax.Array]:
    """Zeroed counters: per synapse set_pulses, reset_pulses, refresh_count, clipped_pulses;
    the scalar apply_calls."""
    zeros = jnp.zeros(shape, jnp.float32)
    return {"set_pulses": zeros, "reset_pulses": zeros, "refresh_count": zeros,
            "clipped_pulses": zeros, "apply_calls": jnp.zeros((), jnp.float32)}


def init_low(key: jax.Array, shape: tuple[int, ...], g_min, g_max, init_std) -> jax.Array:
    """Devices near the low end: g = min(g_min + |N(0, init_std)|, g_max) (freshly RESET devices
    with a small programmed spread)."""
    return jnp.minimum(g_min + init_std * jnp.abs(jax.random.normal(key, shape, jnp.float32)), g_max)


class AbstractPcmPair(Device):
    """A SET-only pair of PCM devices with refresh (see the module docstring).

    Subclasses are frozen dataclasses with the static fields `max_pulses_per_call` (int >= 1)
    and `auto_refresh` (bool: refresh check after every refresh_every-th `apply`); their params
    carry g_min, g_max, init_std, refresh_high, refresh_low, refresh_every; their states carry
    g_plus, g_minus and the counters.
    They implement `_set_pulses`.
    """

    max_pulses_per_call: int
    auto_refresh: bool
    integer_counts = True  # pulse i reaches the synapses whose count exceeds i

    @abc.abstractmethod
    def _set_pulses(self, key: jax.Array, state: Any, n_pulses: jax.Array, params: Any) -> Any:
        """Apply n_pulses[0] SET pulses to g_plus and n_pulses[1] to g_minus ([2, V, H])."""

    def _validate_pair(self, params: Any) -> None:
        """Checks shared by every PCM pair: pulse cap, bounds, init spread, refresh thresholds."""
        n_max = self.max_pulses_per_call
        check_field(isinstance(n_max, int) and not isinstance(n_max, bool) and n_max >= 1,
                    "max_pulses_per_call", "an integer >= 1", n_max)
        check_params(params, ("g_min", "g_max"))
        g_min, g_max = np.asarray(params.g_min), np.asarray(params.g_max)
        check_field(np.all(g_min < g_max), "g_min", f"< g_max = {g_max}", g_min)
        init_std = np.asarray(params.init_std)
        check_field(np.all(np.isfinite(init_std) & (init_std >= 0)), "init_std", "finite and >= 0",
                    init_std)
        low, high = np.asarray(params.refresh_low), np.asarray(params.refresh_high)
        check_field(np.all((low >= 0) & (low < 1)), "refresh_low", "in [0, 1)", low)
        check_field(np.all((high > low) & (high <= 1)), "refresh_high",
                    f"in (refresh_low = {low}, 1]", high)
        every = np.asarray(params.refresh_every)
        check_field(np.all((every >= 1) & (every == np.round(every)) & (every < 2 ** 24)),
                    "refresh_every", "an integer in [1, 2^24) (apply calls per refresh check)",
                    every)

    def pulse_counts(self, states, potentiation, depression) -> dict[str, list]:
        """The pulses this pair counted itself (states with a leading network axis): SET and
        RESET pulses, refreshes and clipped pulses, summed over the synapses of each network."""
        del potentiation, depression
        return {counter: np.asarray(jnp.sum(getattr(states, counter), axis=(1, 2))).tolist()
                for counter in ("set_pulses", "reset_pulses", "refresh_count", "clipped_pulses")}

    def read(self, state, params):
        """G = Gp - Gm (the device's conductance units)."""
        return state.g_plus - state.g_minus

    def apply(self, key, state, potentiation, depression, params):
        """SET Gp once per potentiation event and Gm once per depression event, pulse by pulse
        (at most `max_pulses_per_call` each), count the call in apply_calls, then, if
        `auto_refresh`, refresh when apply_calls is a multiple of params.refresh_every.

        Under `vmap` (the networks of a study) the networks are updated one after another
        (`jax.custom_batching.sequential_vmap`), each skipping the rows it does not pulse
        (`pulse_loop`); a batched loop runs every network to the longest one's pulses and copies
        whole matrices per chunk: 40 against 16 ms per network and call for 3 networks on
        MNIST's counts (2-core CPU, session 15). The result is the same bit for bit."""
        one_network = jax.custom_batching.sequential_vmap(self._apply_one_network)
        return one_network(key, state, potentiation, depression,
                           jax.tree_util.tree_map(jnp.asarray, params))

    def _apply_one_network(self, key, state, potentiation, depression, params):
        counts = jnp.stack([potentiation, depression])
        n_pulses = jnp.minimum(counts, self.max_pulses_per_call)
        state = self._set_pulses(key, state, n_pulses, params)
        # Gp's plus Gm's counts as one addition: jnp.sum over the size-2 axis gives the same
        # numbers but took 12 ms for 2 x 832 x 832 on the 2-core CPU, against 0.2 ms.
        clipped = counts - n_pulses
        state = state._replace(set_pulses=state.set_pulses + (n_pulses[0] + n_pulses[1]),
                               clipped_pulses=state.clipped_pulses + (clipped[0] + clipped[1]),
                               apply_calls=state.apply_calls + 1.0)
        if self.auto_refresh:
            due = jnp.mod(state.apply_calls, params.refresh_every) == 0
            state, _ = self.refresh(state, params, due)
        return state

    def refresh(self, state: Any, params: Any, due: jax.Array | bool = True
                ) -> tuple[Any, jax.Array]:
        """(state, n_refreshed): `refresh.refresh_pair` with the params' bounds and thresholds,
        applied where `due` (a boolean scalar: whether this is a refresh call); each refresh
        adds 1 to refresh_count and 2 RESETs to reset_pulses of its synapse."""
        g_plus, g_minus, refreshed = refresh_pair(state.g_plus, state.g_minus, params.g_min,
                                                  params.g_max, params.refresh_high,
                                                  params.refresh_low, due)
        state = state._replace(g_plus=g_plus, g_minus=g_minus,
                               reset_pulses=state.reset_pulses + 2.0 * refreshed,
                               refresh_count=state.refresh_count + refreshed)
        return state, jnp.sum(refreshed)
