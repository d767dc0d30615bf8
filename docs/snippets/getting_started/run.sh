uvicorn main:app --port 8000
