"""What the app needs from the machine it runs on, checked before anything heavy loads:
the versions of its decoders, the display libraries Qt's xcb platform needs, writable user
folders, and one writer per case file. Nothing here imports Qt at module level."""
