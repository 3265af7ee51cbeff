"""Whole albums: batch rendering (resumable, parallel, distributed) and album reels.

Modules: `album` (finding photos, the album file), `exif` (dates and places), `jobs` (one
photo's render as a picklable job), `manifest` (what is done), `executors` (where jobs run),
`runner` (a batch run end to end), `reel` and `compose` (an album reel).
"""
