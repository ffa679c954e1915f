"""A value made once per event loop: asyncio's and anyio's primitives (semaphores, capacity
limiters) belong to the loop they were first used on, and each test client runs a loop of
its own, so a middleware or a lane made once per app makes its primitive again for a new
loop."""

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LoopLocal(Generic[T]):
    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._value: T | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> T:
        """The value of the running loop, made on its first use there."""
        loop = asyncio.get_running_loop()
        if self._value is None or self._loop is not loop:
            self._value, self._loop = self._make(), loop
        return self._value
