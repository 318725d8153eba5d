UPDATE users SET normalized_email = NULL;
