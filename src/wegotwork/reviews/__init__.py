"""Team review: notes with mentions, notifications, interview kits and blind scorecards."""
