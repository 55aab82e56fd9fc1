print("rustbtf")
