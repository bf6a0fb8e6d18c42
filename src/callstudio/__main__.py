from callstudio.cli import main

main()
