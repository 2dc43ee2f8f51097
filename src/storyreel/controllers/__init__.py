"""Controllers: the use cases host applications call, wired to the container at the edges."""
