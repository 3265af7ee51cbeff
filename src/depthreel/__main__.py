from depthreel.cli import main

main()
