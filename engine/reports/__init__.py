"""Reports: escaping and rendering what lotwise writes for people, spreadsheets and browsers."""
