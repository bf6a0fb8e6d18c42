"""What happens to calls after they are stored: the analysis pass, the worker's tasks (analyse,
deliver webhooks, sweep), rebuilding rollups from the calls, and `callstudio analytics`.

It sits above calls, analytics and rules (it uses all three) and below nothing it needs: calls
announces stored batches with a signal (calls/signals.py) that this app connects to in its
AppConfig.ready(), so ingestion never imports the pipeline."""
