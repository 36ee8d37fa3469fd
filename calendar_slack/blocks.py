"""The vocabulary of the blocks calendar-slack books: their kinds, how they show, their titles.

One place, because the config (show-as per kind), the planner adapter (reading earlier blocks
back by title), booking (writing them) and every connector's writer all speak it.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

BlockKind = Literal["focus", "buffer", "reflection", "lunch"]
ShowAs = Literal["busy", "free"]
BLOCK_KINDS: Final[tuple[str, ...]] = get_args(BlockKind)

#: The title each kind is booked with.
TITLES: Final[dict[BlockKind, str]] = {
    "focus": "Focus time",
    "buffer": "Recovery buffer",
    "reflection": "Weekly reflection",
    "lunch": "Lunch",
}
#: Kind by lower-cased title, to read our earlier blocks back.
KIND_BY_TITLE: Final[dict[str, BlockKind]] = {title.lower(): k for k, title in TITLES.items()}
