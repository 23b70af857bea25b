"""What the sessions of noxfile.py and the checks they run share.

env         where the checkout, its build directory and the dev venv are, and
            the environment a session's commands get
index       wheels for containers, and a package index on 127.0.0.1
collection  the built collection artifact, and the collections Molecule needs
podman      containers, and the stand-in semaphore-runner service in them
checks      a check that stops the run, or one that is counted, and plays
            whose changed count is read from the recap
sanity      what ansible-test sanity needs here: its pip bootstrap, and the
            installed Pythons
controller  a Python 3.13 controller in a container, for ansible-core 2.20+
"""
