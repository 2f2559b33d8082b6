from vroegsignaal.cli import main

main()
