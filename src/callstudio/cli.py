"""The `callstudio` command.

Every subcommand is a Django management command, so operators get Django's own commands
(`migrate`, `check --deploy`, `createsuperuser`, `shell`, ...) next to ours (`serve`, `demo`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callstudio.settings.default")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "callstudio"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
