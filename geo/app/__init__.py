"""The app's helpers: playback, and the server that preloads the app."""
