"""gunicorn settings for gridgov behind nginx (deploy/nginx.conf talks to the socket below).
Load with: gunicorn -c /etc/gridgov/gunicorn.conf.py core.wsgi:app"""
import multiprocessing

bind = "unix:/run/gridgov/gunicorn.sock"
# sync workers: requests are short database round trips; 2 x cores + 1, as gunicorn advises
workers = min(2 * multiprocessing.cpu_count() + 1, 12)
worker_class = "sync"
timeout = 60                 # .xlsx exports and PDF certificates run in the task queue, not here
graceful_timeout = 30
max_requests = 2000          # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"              # to the journal; the Open311 api_key never appears in a URL
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
