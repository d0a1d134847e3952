"""A dossier out of Kho as a BagIt bag and back in: the administrator's approval of a decrypted
bag, the export, its Dublin Core and PREMIS metadata, the intake.
"""
