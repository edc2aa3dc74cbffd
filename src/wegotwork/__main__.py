from wegotwork.cli import main

main()
