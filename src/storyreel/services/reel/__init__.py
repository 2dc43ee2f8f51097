"""The reel: clips, narration, captions and music assembled into one MP4 with PyAV.

``ReelAssembler().assemble(plan, dest)`` renders; ``check_music``, ``check_output`` and
``check_plan`` are the cheap checks to run before anything is paid for.
"""

from storyreel.services.reel.assembler import ReelAssembler
from storyreel.services.reel.probe import ClipInfo, check_music, check_output, check_plan

__all__ = ["ClipInfo", "ReelAssembler", "check_music", "check_output", "check_plan"]
