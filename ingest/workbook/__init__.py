"""Reading a county's workbook: the cells and their parsers, the reader with its problems named by
sheet and cell, and the template a county fills in.
"""
