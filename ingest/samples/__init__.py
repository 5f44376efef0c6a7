"""Sample submissions: the generator (calibrated so the article's figures come out of the rows),
and the defects planted into them to exercise every check.
"""
