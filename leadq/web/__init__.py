"""Every Flask blueprint lives here, nowhere else."""
