from minerscan.entry import main

# Guarded: the analysis processes (spawned, minerscan/stage.py) import this module again.
if __name__ == "__main__":
    main()
