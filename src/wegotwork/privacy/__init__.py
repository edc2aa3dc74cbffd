"""Privacy by default: retention with quarantine, legal hold, export and erasure of candidates."""
