"""Loudness as platforms measure it (EBU R128 / ITU-R BS.1770, ebur128 filter), and bringing a
mix to a target: one gain, a peak limiter for the true-peak ceiling, then a check measurement
and, if the limiter cost loudness, one more gain step."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

from storyreel.services.reel.pcm import db_to_gain, gain_to_db, run_chain

SILENT_LUFS = -70.0
"""BS.1770's absolute gate: anything quieter is silence, and is not normalised."""

_MEASURE = ("ebur128", "peak=true:metadata=1")
_MEASURE_LOUDNESS = ("ebur128", "metadata=1")
"""Without the true peak, which needs 4x oversampling: most of the meter's cost."""
_LIMITER_MARGIN_DB = 0.6
"""How far below the ceiling the limiter aims: it sees samples, not the peaks between them,
and AAC encoding adds its own few tenths of a dB."""


@dataclass(frozen=True)
class Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP) of a stretch of sound."""

    integrated_lufs: float
    true_peak_db: float

    @property
    def silent(self) -> bool:
        return self.integrated_lufs <= SILENT_LUFS + 0.5


def _read(metadata: dict[str, str]) -> Loudness:
    integrated = float(metadata.get("lavfi.r128.I", SILENT_LUFS))
    peak = float(metadata.get("lavfi.r128.true_peak", 0.0))
    if not math.isfinite(integrated):
        integrated = SILENT_LUFS
    return Loudness(integrated_lufs=integrated, true_peak_db=gain_to_db(peak))


def measure(data: array[float], *, peak: bool = True) -> Loudness:
    """The loudness of ``data`` (float stereo, 48 kHz); its true peak too when ``peak``
    (reported as 0 dBTP otherwise)."""
    _, metadata = run_chain(data, [_MEASURE if peak else _MEASURE_LOUDNESS])
    return _read(metadata)


def apply_gain(data: array[float], gain_db: float) -> array[float]:
    """``data`` made ``gain_db`` louder (a plain gain, no limiting)."""
    out, _ = run_chain(data, [("volume", f"volume={gain_db:.4f}dB")])
    return out


def normalise(
    data: array[float], target_lufs: float, true_peak_db: float, *, passes: int = 3
) -> tuple[array[float], Loudness]:
    """``data`` at ``target_lufs`` integrated with true peaks at most ``true_peak_db``, and
    the loudness measured on the result. Silence comes back unchanged."""
    before = measure(data, peak=False)
    if before.silent:
        return data, before
    gain = target_lufs - before.integrated_lufs
    ceiling = true_peak_db - _LIMITER_MARGIN_DB
    out, result = data, before
    for _ in range(passes):
        limit = min(1.0, max(0.0625, db_to_gain(ceiling)))
        out, metadata = run_chain(
            data,
            [
                ("volume", f"volume={gain:.4f}dB:precision=float"),
                # level=0: no automatic make-up gain; latency=1: no lookahead delay, so the
                # voice stays where the captions say it is.
                ("alimiter", f"limit={limit:.6f}:attack=5:release=80:level=0:latency=1"),
                _MEASURE,
            ],
        )
        result = _read(metadata)
        loud_ok = abs(result.integrated_lufs - target_lufs) <= 0.3
        peak_ok = result.true_peak_db <= true_peak_db - _LIMITER_MARGIN_DB / 2
        if loud_ok and peak_ok:
            break
        gain += target_lufs - result.integrated_lufs
        if not peak_ok:
            ceiling -= result.true_peak_db - (true_peak_db - _LIMITER_MARGIN_DB / 2)
    return out, result
