"""What people read: the steward's report and correction workbooks, the city's summary
workbook, the night's message, and the terminal summary of a run.
"""
