"""Publishing: the gate, the reporting file, disclosure control and the open-data export."""
