"""Request and response shapes of the tags API."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from backend.platform.text import text

TagName = text(strip_whitespace=True, min_length=1, max_length=50)
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb")]


class TagCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TagName
    color: Color | None = None


class TagUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TagName | None = None
    color: Color | None = None


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    color: str


class TagWithCount(TagRead):
    task_count: int
