"""The kiosk's hardware room: the device manager over drivers/, the item pads, the printer desk, device settings and discovery."""
