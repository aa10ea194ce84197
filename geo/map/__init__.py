"""The map: filters, popups, layers, the offline basemap and the static export."""
