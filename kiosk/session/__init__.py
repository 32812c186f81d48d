"""The patron session: one student at a time, classified scans, the lines on the screen and the receipt."""
