"""``python -m sigmaq``: the same as the ``sigmaq`` command."""

from sigmaq.cli import main

if __name__ == "__main__":
    main()
