import LoupeCLI

Loupe.runMain()
