from minerscan.cli import main

main()
