// LoupeNN: see DESIGN.md for what belongs here.
