"""Whole albums: batch rendering (resumable, parallel, distributed) and album reels.

Modules: `album` (finding photos, the album file), `jobs` (one photo's render as a picklable
job), `worker` (the pool worker's side), `executors` (where jobs run), `manifest` (what is
done), `progress` (one bar for many photos), `runner` (a batch run end to end); for reels,
`photoinfo` (size, date and place from the header), `reel_plan` (order, lengths, motions),
`compose` (moviepy) and `reel` (a reel end to end).
"""
