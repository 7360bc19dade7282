"""Laws every answer uses: selection from the catalogue, provenance, fitted-range warnings."""
