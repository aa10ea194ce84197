"""Places: names, recognition, the gazetteer, resolution, relative places, the geocoder."""
