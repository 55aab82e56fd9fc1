print("rustbtf: under construction")
