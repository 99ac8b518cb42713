"""What is in AEM against what the ACS process would write, and how it is shown: headline, fix list, plots, reports."""
